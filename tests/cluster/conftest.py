"""A state directory PostgreSQL can reach when the tests run as root.

As root the cluster's PostgreSQL runs as the ``postgres`` user, who cannot enter pytest's
temporary directories (mode 0700): these tests use a fresh directory in /tmp that others may
traverse (its files keep their own modes)."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest


@pytest.fixture
def var_dir():
    root = Path(tempfile.mkdtemp(prefix="assistant-cluster-test-", dir="/tmp"))
    os.chmod(root, 0o711)
    yield root
    shutil.rmtree(root, ignore_errors=True)

"""Citizens' dossiers (hồ sơ): import, synthetic data, status lookup with verification."""

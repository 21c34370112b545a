"""Questions staff answer themselves (FAQ): storage, import/export, live retrieval, training."""

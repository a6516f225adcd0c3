"""Gateway tests (a package, so pytest names them apart from the gateway package itself)."""

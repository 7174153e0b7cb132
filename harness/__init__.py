"""Runtime harness: executes notebooks with a real kernel and judges every cell (see issue #5)."""

"""Unit tests of the remote (managed job) path: request contract, job names, image URIs, trigger state."""

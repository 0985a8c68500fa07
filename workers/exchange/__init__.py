"""Exchange with the higher bureau: delivering submissions, and the stand-in bureau for tests and the demo."""

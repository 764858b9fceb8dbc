"""The SQL both backends share: every storage operation written once over a small dialect."""

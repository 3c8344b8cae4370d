"""The results bundle: its typed contract, the revision's file names, reading and writing."""

"""Writers of other formats: Atom."""

//! Agent inbox and admin views. See ARCHITECTURE.md.

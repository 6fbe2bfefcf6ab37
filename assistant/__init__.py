"""The assistant: conversations, store, jobs and the faces over them (see DESIGN.md)."""

"""The Streamlit chat (see DESIGN.md); it only renders what the engine answers."""

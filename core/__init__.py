"""Ground Control's core: everything the app and the command line share. Never imports Streamlit."""

"""Services: own the application state, speak in Qt signals, never import widgets."""

"""Qt widgets: they observe the services and call their methods; they hold no clinical state."""

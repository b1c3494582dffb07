"""The main window's parts, one job per module: the shared state (``parts``), the bed views
(``beds``), the records page (``records_page``), the sign-in/lock gate and quitting (``gate``),
the actions table and menus (``actions``); ``widgets.main_window`` assembles them.
"""

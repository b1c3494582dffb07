"""The discharge panel's sections, one widget each (checklist, PADSS, ride, follow-up, sign-off).

``widgets.discharge_panel.DischargePanel`` puts them together.
"""

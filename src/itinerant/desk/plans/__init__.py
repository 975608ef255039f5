"""Imported scenarios, plan versions, manual changes, background re-plans and the pages."""

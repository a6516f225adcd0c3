"""Notifications (issue 16): the viewer's own notifications, preferences and live arrival."""

"""Pure presentation shared by the adapters: SVG figures and charts drawn from core values.

Nothing here touches the database, the web or the terminal; the architecture test keeps it so.
"""

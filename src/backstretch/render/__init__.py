"""Pure presentation shared by the adapters, drawn from core values: SVG figures and charts, and
the documents people take away (the handout and the clinician summary as PDF, filled Jinja2
templates drawn by WeasyPrint; the reminders' iCalendar file; the FHIR R4 bundle).

Nothing here touches the database, the web or the terminal; the architecture test keeps it so.
"""

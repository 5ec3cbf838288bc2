"""The evaluation report (rapport de présentation de la procédure) and the letters to the tenderers.

One pipeline (docs/SCORING.md, "Report and letters"):
- `data.report_document(tender)`: every fact as plain data, numbers rounded once (no ORM object past it);
- `chart.layout(bars)`: the bar chart laid out once, then written as SVG (PDF) or PNG (DOCX); the XLSX
  draws a native chart from the same numbers;
- `sections.report_sections(doc)` / `letters.letter_sections(...)`: the document as sections of
  blocks (facts, paragraphs, lists, tables, chart), the one input of the three writers;
- `writers`: HTML → PDF, DOCX (documents.rendering.docx.DocxBuilder), XLSX
  (documents.rendering.xlsx_sections), each reading the same sections;
- `builders`: the document job's builders (registered in scoring/apps.py) and the request check that
  refuses letters while the results are provisional.
"""

"""The HTML and PDF pages: Jinja templates, the words of the pages in the page language (beside their templates), the site report, the maps' base outlines."""

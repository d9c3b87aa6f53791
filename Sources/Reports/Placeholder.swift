// HTML, Markdown and JSON root-cause reports arrive with issue #6.

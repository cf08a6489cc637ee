"""What the dashboard's pages share, by concern: ``text`` (stored values shown safely),
``data`` (the database and one typed, cached function per query), ``url`` (the view in the URL),
``sidebar`` (the shared filters and widgets), ``exports`` (charts with their downloads and
citation) and ``evidence`` (keyword-in-context rows). ``app_pages.common`` gathers the names
the pages use."""

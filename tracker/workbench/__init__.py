"""The validation workbench: draw a sample, code it blind, measure agreement, adjudicate, and
report the tool's precision and recall against the gold (issue 13).

``sample`` draws samples, ``store`` holds every SQL statement on the workbench tables,
``agreement`` measures coders against each other, ``report`` the tool against the gold, and
``gold`` moves gold labels to and from the TSV ``tracker validate`` reads.
"""

"""Mortgage rules that more than one deployable needs: the payment maths, the application as
stored, the statuses, the documents an application requires, the debt-to-income ratios and how
far an application has come. Pure: no I/O; callers read the rows and pass them in.

Used by the mortgage tools (functions/tools/mortgage/) and the operator's mortgage dashboard
(functions/operator/mortgage.py), so both say the same numbers.
"""

"""What other apps may follow about reports, without the reports app knowing them.

Each signal is sent inside the transaction that made the change, so a receiver's writes
(a case's timeline, a search index) commit or roll back with it.

    report_answered(report, message, actor)   helpline staff answered the reporter
    report_added_to(report, message=None)     the reporter added a message, information or
                                              pictures (message is None for pictures)
"""

from django.dispatch import Signal

report_answered = Signal()
report_added_to = Signal()

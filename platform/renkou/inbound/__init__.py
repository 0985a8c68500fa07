"""Messages from the higher bureau (DESIGN.md §5): targets, 协查 verification requests and 通报 notices.

They arrive signed, pushed to POST /api/v1/bureau/messages or pulled from the bureau by a schedule, and go
through one code path (``receiving.receive``): signature, timestamp, replay (a unique message id in
``shared.inbound_messages``), the body, then routing. Targets are applied at once; requests and notices
become tasks (``bureau_notices``) of a town or of the county, with a deadline counted from the day of
receipt, answered through the signed delivery to the bureau.
"""

"""An aiosmtpd handler refusing every recipient with a permanent 550, so tests can see how
Bitu treats a mail server that says "never". Run it with the dev venv's aiosmtpd:

    PYTHONPATH=packaging/dev .dev/venv/bin/python -m aiosmtpd -n -l 127.0.0.1:2526 \
        -c smtp_reject.RejectAll
"""


class RejectAll:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"

"""Delivery: what the stages recorded in the outbox, claimed and delivered once.

``deliverer`` claims a lane's due effects and runs them (deliver-effects, the demo's
second deliverer); ``executors`` turns an effect into its email or DS mutation; the
emails are composed at send time by ``task_emails`` (evaluation tasks and reminders),
``hearing_emails`` (invitations, cancellations, .ics) and ``convention_emails``.
"""

from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand


class Command(DatabaseWorkerCommand):
    help = (
        "Run Claywork's background worker (reminders, alerts, analysis). Start more than one "
        "against PostgreSQL to scale out; each task is claimed by exactly one worker."
    )

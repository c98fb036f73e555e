import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from regiekoppeling.demo import demo_setup


class Command(BaseCommand):
    help = "Create the demo configuration (idempotent) and print it, credentials included."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="Print the result as JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        result = demo_setup()
        if options["json"]:
            self.stdout.write(json.dumps(result, indent=2))
            return
        self.stdout.write(f"Gemeente {result['gemeente']['code']} {result['gemeente']['naam']}")
        for app in result["applicaties"]:
            self.stdout.write(f"{app['rol']:<11} client_id={app['clientId']} secret={app['secret']}")
        self.stdout.write(f"admin       username=admin password={result['admin']['password']}")

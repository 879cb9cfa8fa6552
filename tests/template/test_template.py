"""template.yaml: lint-clean, and holding the invariants the functions rely on.

These read the template as data (intrinsic functions kept as {"Ref": ...}
dicts), so a change that breaks a promise of docs/deploy.md fails here.
"""

import json
import os
import shutil
import subprocess
import sys
import unittest

import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
TEMPLATE = os.path.join(ROOT, "template.yaml")


class _Loader(yaml.SafeLoader):
    pass


def _intrinsic(loader, suffix, node):
    name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if suffix == "GetAtt":
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {name: value}


_Loader.add_multi_constructor("!", _intrinsic)


def load_template():
    with open(TEMPLATE, encoding="utf-8") as f:
        return yaml.load(f, Loader=_Loader)


def build_architecture():
    """The Lambda architecture name of what `make build` produces here."""
    cc = os.environ.get("CC", "cc")
    machine = subprocess.run([cc, "-dumpmachine"], capture_output=True, text=True, check=True).stdout
    arch = machine.split("-", 1)[0]
    return {"x86_64": "x86_64", "aarch64": "arm64"}.get(arch, arch)


class TemplateTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.t = load_template()
        cls.res = cls.t["Resources"]

    def fn(self, name):
        props = dict(self.t["Globals"]["Function"])
        props.update(self.res[name]["Properties"])
        return props

    def test_cfn_lint_clean(self):
        exe = shutil.which("cfn-lint")
        if exe is None:
            print("\nSKIP cfn-lint: not installed (make deps installs it); template not linted", file=sys.stderr)
            self.skipTest("cfn-lint not installed")
        r = subprocess.run([exe, TEMPLATE], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, f"cfn-lint template.yaml:\n{r.stdout}{r.stderr}")

    def test_request_model_matches_generated(self):
        r = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "template_model.py"), "--check",
                            "--template", TEMPLATE,
                            "--model", os.path.join(ROOT, "generated", "apigw", "events.model.json")],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        model = self.res["EventsApi"]["Properties"]["Models"]["EventRequest"]
        self.assertEqual(model["$schema"], "http://json-schema.org/draft-04/schema#")
        self.assertNotIn("$ref", json.dumps(model), "models must be self-contained")

    def test_functions_runtime_and_build(self):
        arch = build_architecture()
        for name in ("IngestionFunction", "ProcessingFunction"):
            with self.subTest(function=name):
                f = self.fn(name)
                self.assertEqual(f["Runtime"], "provided.al2023")
                self.assertEqual(f["Handler"], "bootstrap")
                self.assertEqual(f["Tracing"], "Active")
                self.assertEqual(f["Architectures"], [arch],
                                 "the template must declare the architecture the Makefile builds")
                self.assertEqual(self.res[name]["Metadata"]["BuildMethod"], "makefile")

    def test_queue_limits_shared_with_ingestion(self):
        q = self.res["EventsQueue"]["Properties"]
        self.assertEqual(q["MaximumMessageSize"], {"Ref": "MaximumMessageSize"})
        env = self.fn("IngestionFunction")["Environment"]["Variables"]
        self.assertEqual(env["SQS_MAX_MESSAGE_BYTES"], {"Ref": "MaximumMessageSize"})
        self.assertEqual(env["SQS_QUEUE_URL"], {"Ref": "EventsQueue"})
        self.assertEqual(self.t["Parameters"]["MaximumMessageSize"]["Default"], 262144)
        self.assertTrue(q["SqsManagedSseEnabled"])

    def test_visibility_timeout_covers_processing(self):
        timeout = self.fn("ProcessingFunction")["Timeout"]
        visibility = self.res["EventsQueue"]["Properties"]["VisibilityTimeout"]
        self.assertGreaterEqual(visibility, 6 * timeout)

    def test_redrive_to_dead_letter_queue(self):
        redrive = self.res["EventsQueue"]["Properties"]["RedrivePolicy"]
        self.assertEqual(redrive["deadLetterTargetArn"], {"Fn::GetAtt": ["EventsDeadLetterQueue", "Arn"]})
        self.assertEqual(redrive["maxReceiveCount"], {"Ref": "MaxReceiveCount"})
        self.assertEqual(self.t["Parameters"]["MaxReceiveCount"]["Default"], 3)
        self.assertTrue(self.res["EventsDeadLetterQueue"]["Properties"]["SqsManagedSseEnabled"])

    def test_sqs_event_source(self):
        ev = self.fn("ProcessingFunction")["Events"]["Queue"]
        self.assertEqual(ev["Type"], "SQS")
        p = ev["Properties"]
        self.assertEqual(p["Queue"], {"Fn::GetAtt": ["EventsQueue", "Arn"]})
        self.assertEqual(p["FunctionResponseTypes"], ["ReportBatchItemFailures"])
        self.assertLessEqual(p["BatchSize"], 10)
        self.assertIn("MaximumBatchingWindowInSeconds", p)
        self.assertGreaterEqual(p["ScalingConfig"]["MaximumConcurrency"], 2)

    def test_least_privilege(self):
        expected = {
            "IngestionFunction": (["sqs:SendMessage"], {"Fn::GetAtt": ["EventsQueue", "Arn"]}),
            "ProcessingFunction": (["dynamodb:PutItem", "dynamodb:GetItem"], {"Fn::GetAtt": ["EventsTable", "Arn"]}),
        }
        for name, (actions, resource) in expected.items():
            with self.subTest(function=name):
                policies = self.fn(name)["Policies"]
                self.assertEqual(len(policies), 1, "one inline policy, no managed or template policies")
                statements = policies[0]["Statement"]
                self.assertEqual(len(statements), 1)
                st = statements[0]
                got = st["Action"] if isinstance(st["Action"], list) else [st["Action"]]
                self.assertEqual(sorted(got), sorted(actions))
                self.assertEqual(st["Resource"], resource)
                self.assertEqual(st["Effect"], "Allow")

    def test_table_design(self):
        p = self.res["EventsTable"]["Properties"]
        self.assertEqual(p["KeySchema"], [{"AttributeName": "event_id", "KeyType": "HASH"}])
        gsi = {g["IndexName"]: g for g in p["GlobalSecondaryIndexes"]}
        self.assertEqual(gsi["by-source-time"]["KeySchema"],
                         [{"AttributeName": "source", "KeyType": "HASH"},
                          {"AttributeName": "received_at", "KeyType": "RANGE"}])
        self.assertEqual(p["TimeToLiveSpecification"], {"AttributeName": "expires_at", "Enabled": True})
        self.assertTrue(p["SSESpecification"]["SSEEnabled"])
        self.assertTrue(p["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"])
        env = self.fn("ProcessingFunction")["Environment"]["Variables"]
        self.assertEqual(env["DYNAMODB_TABLE_NAME"], {"Ref": "EventsTable"})

    def test_api(self):
        api = self.res["EventsApi"]["Properties"]
        self.assertTrue(api["TracingEnabled"])
        self.assertIn("DestinationArn", api["AccessLogSetting"])
        throttle = api["MethodSettings"][0]
        self.assertIn("ThrottlingRateLimit", throttle)
        self.assertIn("ThrottlingBurstLimit", throttle)
        post = self.fn("IngestionFunction")["Events"]["PostEvents"]["Properties"]
        self.assertEqual((post["Path"], post["Method"]), ("/events", "POST"))
        self.assertEqual(post["RequestModel"], {"Model": "EventRequest", "Required": True, "ValidateBody": True})
        for response in api["GatewayResponses"].values():
            self.assertEqual(response["ResponseParameters"]["Headers"]["Content-Type"], "'application/problem+json'")

    def test_alarms_and_outputs(self):
        alarms = {k: v["Properties"] for k, v in self.res.items() if v["Type"] == "AWS::CloudWatch::Alarm"}
        dlq = [a for a in alarms.values() if a["MetricName"] == "ApproximateNumberOfMessagesVisible"]
        self.assertEqual(dlq[0]["Dimensions"][0]["Value"], {"Fn::GetAtt": ["EventsDeadLetterQueue", "QueueName"]})
        errors = {json.dumps(a["Dimensions"][0]["Value"]) for a in alarms.values() if a["MetricName"] == "Errors"}
        self.assertEqual(errors, {json.dumps({"Ref": "IngestionFunction"}), json.dumps({"Ref": "ProcessingFunction"})})
        self.assertLessEqual({"ApiUrl", "QueueUrl", "TableName"}, set(self.t["Outputs"]))

    def test_parameters_of_the_original_design(self):
        params = self.t["Parameters"]
        self.assertEqual(params["Stage"]["Default"], "dev")
        self.assertEqual(params["LogLevel"]["Default"], "INFO")
        self.assertEqual(params["MessageRetentionPeriod"]["Default"], 345600)
        self.assertEqual(params["MaxReceiveCount"]["Default"], 3)


if __name__ == "__main__":
    unittest.main()

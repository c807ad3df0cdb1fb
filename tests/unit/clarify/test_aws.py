"""How a processor reads the ``sagemaker_session`` SDK code hands over, and the SDK's NetworkConfig."""

from __future__ import annotations

import subprocess
import sys
from types import SimpleNamespace

from airflow_provider_clarify.clarify.aws import AwsClients, network_config_request
from tests.unit.clarify.fake_aws import sdk_session


def test_an_sdk_session_s_clients_and_region_are_used():
    session = sdk_session(region="eu-west-1")
    clients = AwsClients(session)
    assert clients.region == "eu-west-1"
    assert clients.s3 is session.s3_client and clients.sagemaker is session.sagemaker_client
    assert clients.logs is session.boto_session.clients["logs"]


def test_a_role_name_becomes_its_arn_and_an_arn_stays():
    clients = AwsClients(sdk_session())
    assert clients.role_arn("Clarify") == "arn:aws:iam::123456789012:role/Clarify"
    arn = "arn:aws:iam::210987654321:role/service-role/Clarify"
    assert clients.role_arn(arn) == arn


def test_network_config_from_the_sdk_object_or_the_api_dict():
    sdk_object = SimpleNamespace(
        enable_network_isolation=None,
        security_group_ids=None,
        subnets=["s-1"],
        encrypt_inter_container_traffic=None,
    )
    # The SDK's NetworkConfig: isolation defaults to False, and only what is set is sent.
    assert network_config_request(sdk_object) == {
        "EnableNetworkIsolation": False,
        "VpcConfig": {"Subnets": ["s-1"]},
    }
    as_dict = {"EnableNetworkIsolation": True}
    assert network_config_request(as_dict) == as_dict and network_config_request(None) is None


def test_the_drop_in_imports_neither_airflow_nor_the_sagemaker_sdk():
    code = (
        "import sys\n"
        "from airflow_provider_clarify import clarify\n"
        "assert not [m for m in sys.modules if m == 'airflow' or m.startswith('airflow.')], 'airflow'\n"
        "assert 'sagemaker' not in sys.modules\n"
        "assert 'pandas' not in sys.modules  # the engine's numeric stack loads on the first local run\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)

"""A node's API as the end-to-end tests call it over real HTTP: JSON in and out, wallet
sessions opened with a password and the current TOTP code of an enrolment
(`nuri wallet enroll --json`). Import with PYTHONPATH set to this folder."""
import json
import subprocess
import sys
import urllib.error
import urllib.request


class Node:
    def __init__(self, base, directory, password):
        self.base, self.directory, self.password = base, directory, password

    def call(self, method, path, body=None, token=None):
        """(HTTP status, JSON body) of one request; an error status is an answer too."""
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = "Bearer " + token
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method,
                                         headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, json.load(response)
        except urllib.error.HTTPError as error:
            return error.code, json.load(error)

    def code(self, account, later=0):
        """The TOTP code of `account`'s authenticator, `later` seconds from now."""
        with open(f"{self.directory}/{account}.enrol") as enrolment:
            secret = json.load(enrolment)["totp_secret"]
        return subprocess.check_output(
            ["oathtool", "--totp", "-b", secret, "-N", f"now + {later} seconds"],
            text=True).strip()

    def login(self, account):
        """A session token of `account`, which must be enrolled in DIR/ACCOUNT.enrol."""
        status, body = self.call("POST", "/v1/sessions", {
            "account": account, "password": self.password, "totp": self.code(account)})
        assert status == 201, (account, status, body)
        return body["token"]


def check(condition, what):
    if not condition:
        sys.exit(what)

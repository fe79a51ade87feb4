// The two calls of an exchange in plain Node: no SDK, no toolkit, no retries, no checks beyond the
// status codes. The least a Node action can do, to hold the binary against with
//   scripts/bench --compare 'node scripts/bench.d/node-exchange.mjs'
// Fake credentials only: it runs against the stand-ins or moto.
import { appendFileSync } from "node:fs";

const env = process.env;
const tokenUrl = new URL(env.ACTIONS_ID_TOKEN_REQUEST_URL);
tokenUrl.searchParams.set("audience", "sts.amazonaws.com");
const token = await fetch(tokenUrl, {
  headers: { Authorization: `Bearer ${env.ACTIONS_ID_TOKEN_REQUEST_TOKEN}` },
});
if (!token.ok) throw new Error(`the token endpoint answered ${token.status}`);
const { value: jwt } = await token.json();

const sts = await fetch(env.AWS_ENDPOINT_URL_STS, {
  method: "POST",
  headers: { "Content-Type": "application/x-www-form-urlencoded" },
  body: new URLSearchParams({
    Action: "AssumeRoleWithWebIdentity",
    Version: "2011-06-15",
    RoleArn: env["INPUT_ROLE-TO-ASSUME"],
    RoleSessionName: "GitHubActions",
    WebIdentityToken: jwt,
  }),
});
const xml = await sts.text();
if (!sts.ok) throw new Error(`STS answered ${sts.status}`);
const field = (name) => xml.match(new RegExp(`<${name}>([^<]*)</${name}>`))[1];

appendFileSync(
  env.GITHUB_ENV,
  [
    `AWS_REGION=${env["INPUT_AWS-REGION"]}`,
    `AWS_ACCESS_KEY_ID=${field("AccessKeyId")}`,
    `AWS_SECRET_ACCESS_KEY=${field("SecretAccessKey")}`,
    `AWS_SESSION_TOKEN=${field("SessionToken")}`,
    "",
  ].join("\n"),
);

// Test-only TOTP MFA client on the real amazon-cognito-identity-js (found
// through NODE_PATH), driven by ../identity_js_mfa_test.go:
//
//   node totp_client.js ENDPOINT USER_POOL_ID CLIENT_ID USERNAME PASSWORD
//
// Signs in with USER_SRP_AUTH, associates and verifies a software token
// with codes computed here (RFC 6238), makes it the preferred factor,
// then signs in again answering the SOFTWARE_TOKEN_MFA challenge: first
// with a wrong code, then with the right one. Prints one JSON line.
'use strict';

const crypto = require('crypto');
const { AuthenticationDetails, CognitoUser, CognitoUserPool } = require('amazon-cognito-identity-js');

function base32(s) {
	const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
	let bits = 0;
	let value = 0;
	const out = [];
	for (const c of s.replace(/=+$/, '').toUpperCase()) {
		value = (value << 5) | alphabet.indexOf(c);
		bits += 5;
		if (bits >= 8) {
			out.push((value >>> (bits - 8)) & 0xff);
			bits -= 8;
		}
	}
	return Buffer.from(out);
}

// totp is the six-digit code for the 30 s step containing t (ms).
function totp(secret, t) {
	const counter = Buffer.alloc(8);
	counter.writeBigUInt64BE(BigInt(Math.floor(t / 30000)));
	const mac = crypto.createHmac('sha1', base32(secret)).update(counter).digest();
	const off = mac[mac.length - 1] & 0x0f;
	const n = (mac.readUInt32BE(off) & 0x7fffffff) % 1000000;
	return String(n).padStart(6, '0');
}

function errOf(err) {
	return { code: err.code || err.name, message: err.message };
}

async function main() {
	const [endpoint, userPoolId, clientId, username, password] = process.argv.slice(2);
	const pool = new CognitoUserPool({ UserPoolId: userPoolId, ClientId: clientId, endpoint });
	const details = new AuthenticationDetails({ Username: username, Password: password });
	const steps = [];

	const user = new CognitoUser({ Username: username, Pool: pool });
	await new Promise((resolve, reject) =>
		user.authenticateUser(details, {
			onSuccess: resolve,
			onFailure: err => reject(new Error('first sign-in: ' + JSON.stringify(errOf(err)))),
			totpRequired: () => reject(new Error('first sign-in asked for TOTP')),
		})
	);
	steps.push('signed-in');
	const secret = await new Promise((resolve, reject) =>
		user.associateSoftwareToken({
			associateSecretCode: resolve,
			onFailure: err => reject(new Error('associate: ' + JSON.stringify(errOf(err)))),
		})
	);
	steps.push('associated');
	await new Promise((resolve, reject) =>
		user.verifySoftwareToken(totp(secret, Date.now()), 'test-device', {
			onSuccess: resolve,
			onFailure: err => reject(new Error('verify: ' + JSON.stringify(errOf(err)))),
		})
	);
	steps.push('verified');
	await new Promise((resolve, reject) =>
		user.setUserMfaPreference(null, { PreferredMfa: true, Enabled: true }, err =>
			err ? reject(new Error('preference: ' + JSON.stringify(errOf(err)))) : resolve()
		)
	);
	steps.push('preferred');

	// Sign in again: the library must be asked for a TOTP code.
	const again = new CognitoUser({ Username: username, Pool: pool });
	let wrong = null;
	await new Promise((resolve, reject) => {
		const callbacks = {
			onSuccess: resolve,
			onFailure: err => {
				if (wrong === null) {
					wrong = errOf(err);
					// The next step's code: this step's was spent verifying.
					again.sendMFACode(totp(secret, Date.now() + 30000), callbacks, 'SOFTWARE_TOKEN_MFA');
					return;
				}
				reject(new Error('mfa: ' + JSON.stringify(errOf(err))));
			},
			totpRequired: () => {
				steps.push('totp-required');
				const right = totp(secret, Date.now() + 30000);
				const bad = right === '000000' ? '111111' : '000000';
				again.sendMFACode(bad, callbacks, 'SOFTWARE_TOKEN_MFA');
			},
		};
		again.authenticateUser(details, callbacks);
	});
	steps.push('mfa-signed-in');
	const session = again.getSignInUserSession();
	process.stdout.write(JSON.stringify({ ok: true, steps, wrong, idToken: session.getIdToken().getJwtToken() }) + '\n');
}

main().catch(err => {
	process.stdout.write(JSON.stringify({ ok: false, error: String(err && err.message ? err.message : err) }) + '\n');
});

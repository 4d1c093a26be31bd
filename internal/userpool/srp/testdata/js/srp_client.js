// Test-only SRP client built on the real amazon-cognito-identity-js, driven
// by ../../interop_test.go. Two modes:
//
//   node srp_client.js helper POOL_NAME [A_PRIVATE_HEX]
//     Uses AuthenticationHelper (and DateHelper for TIMESTAMP) directly.
//     Prints {"A": ...} on one line, then reads one JSON line
//     {username, password, srpB, salt, secretBlock, timestamp?}
//     and prints {"signature", "timestamp", "A", "k", "u", "x", "key"}.
//     The signature message is built as CognitoUser.authenticateUserDefaultAuth
//     builds it; the "login" mode checks that against the library's own code.
//     An optional A_PRIVATE_HEX fixes the private ephemeral a (for vectors).
//
//   node srp_client.js login ENDPOINT USER_POOL_ID CLIENT_ID USERNAME PASSWORD
//     Runs CognitoUser.authenticateUser (USER_SRP_AUTH) against ENDPOINT and
//     prints {"ok": true} or {"ok": false, "code": ..., "message": ...}.
'use strict';

const crypto = require('crypto');
const readline = require('readline');
const {
	AuthenticationDetails,
	AuthenticationHelper,
	CognitoUser,
	CognitoUserPool,
	DateHelper,
} = require('amazon-cognito-identity-js');
const BigInteger = require('amazon-cognito-identity-js/lib/BigInteger').default;

function out(obj) {
	process.stdout.write(JSON.stringify(obj) + '\n');
}

function readLine() {
	return new Promise((resolve, reject) => {
		const rl = readline.createInterface({ input: process.stdin });
		rl.once('line', line => {
			resolve(line); // before close(), whose 'close' event would reject
			rl.close();
		});
		rl.once('close', () => reject(new Error('stdin closed before a request line')));
	});
}

async function helperMode(poolName, aHex) {
	const helper = new AuthenticationHelper(poolName);
	if (aHex) {
		helper.smallAValue = new BigInteger(aHex, 16);
		helper.largeAValue = undefined;
		helper.getLargeAValue(() => {});
	}
	// SRP_A exactly as CognitoUser sends it.
	out({ A: helper.largeAValue.toString(16) });

	const req = JSON.parse(await readLine());
	const serverB = new BigInteger(req.srpB, 16);
	const salt = new BigInteger(req.salt, 16);
	const key = await new Promise((resolve, reject) => {
		helper.getPasswordAuthenticationKey(req.username, req.password, serverB, salt, (err, hkdf) =>
			err ? reject(err) : resolve(hkdf)
		);
	});
	const timestamp = req.timestamp || new DateHelper().getNowString();
	const message = Buffer.concat([
		Buffer.from(poolName, 'utf8'),
		Buffer.from(req.username, 'utf8'),
		Buffer.from(req.secretBlock, 'base64'),
		Buffer.from(timestamp, 'utf8'),
	]);
	const signature = crypto.createHmac('sha256', key).update(message).digest('base64');
	// x as the library computes it, from its own hash helpers.
	const x = helper.hexHash(helper.padHex(salt) + helper.hash(`${poolName}${req.username}:${req.password}`));
	out({
		signature,
		timestamp,
		A: helper.largeAValue.toString(16),
		k: helper.k.toString(16),
		u: helper.UValue.toString(16),
		x,
		key: Buffer.from(key).toString('hex'),
	});
}

function loginMode(endpoint, userPoolId, clientId, username, password) {
	const pool = new CognitoUserPool({ UserPoolId: userPoolId, ClientId: clientId, endpoint });
	const user = new CognitoUser({ Username: username, Pool: pool });
	user.setAuthenticationFlowType('USER_SRP_AUTH');
	const details = new AuthenticationDetails({ Username: username, Password: password });
	return new Promise(resolve => {
		user.authenticateUser(details, {
			onSuccess: () => resolve({ ok: true }),
			onFailure: err => resolve({ ok: false, code: err.code || err.name, message: err.message }),
			newPasswordRequired: () => resolve({ ok: false, code: 'newPasswordRequired' }),
			mfaRequired: () => resolve({ ok: false, code: 'mfaRequired' }),
			totpRequired: () => resolve({ ok: false, code: 'totpRequired' }),
			customChallenge: () => resolve({ ok: false, code: 'customChallenge' }),
		});
	}).then(out);
}

async function main() {
	const [mode, ...args] = process.argv.slice(2);
	if (mode === 'helper' && (args.length === 1 || args.length === 2)) {
		await helperMode(args[0], args[1]);
	} else if (mode === 'login' && args.length === 5) {
		await loginMode(...args);
	} else {
		throw new Error('usage: srp_client.js helper POOL_NAME [a] | login ENDPOINT USER_POOL_ID CLIENT_ID USERNAME PASSWORD');
	}
}

main().catch(err => {
	process.stderr.write(`${err && err.stack ? err.stack : err}\n`);
	process.exit(1);
});

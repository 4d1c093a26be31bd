// Lambda Runtime API client for Node.js handlers, stdlib only (Node 18+).
//
// It reproduces the behaviour of aws-lambda-nodejs-runtime-interface-client v3, the client of the
// nodejs18.x/20.x/22.x managed runtimes, so functions written for those runtimes run unmodified:
// callback handlers, context.succeed/fail/done and callbackWaitsForEmptyEventLoop included (v4
// dropped them). The official client needs a native build; this file needs only `node`.
//
// Started by the host as `node <runtime dir>/node.mjs` with the working directory set to
// LAMBDA_TASK_ROOT and the Lambda environment variables set.

import fs from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import util from 'node:util';

const env = process.env;
const require = createRequire(import.meta.url);

// The official client keeps the request id under this global symbol; some tracing libraries
// read it from there.
const REQUEST_ID = Symbol.for('aws.lambda.runtime.requestId');
const STREAMING = Symbol.for('aws.lambda.runtime.handler.streaming');
const HIGH_WATER_MARK = Symbol.for('aws.lambda.runtime.handler.streaming.highWaterMark');

function runtimeError(name) {
  const cls = class extends Error {};
  cls.prototype.name = `Runtime.${name}`;
  return cls;
}
const ImportModuleError = runtimeError('ImportModuleError');
const HandlerNotFound = runtimeError('HandlerNotFound');
const MalformedHandlerName = runtimeError('MalformedHandlerName');
const UserCodeSyntaxError = runtimeError('UserCodeSyntaxError');
const MalformedStreamingHandler = runtimeError('MalformedStreamingHandler');
class NodeJsExit extends Error {
  constructor() {
    super(
      'The Lambda runtime client detected an unexpected Node.js exit code. This is most commonly caused by a Promise that was never settled. For more information, see https://nodejs.org/docs/latest/api/process.html#exit-codes',
    );
  }
}
NodeJsExit.prototype.name = 'Runtime.NodeJsExit';
class UnhandledPromiseRejection extends Error {
  constructor(reason, promise) {
    super(reason);
    this.reason = reason;
    this.promise = promise;
  }
}
UnhandledPromiseRejection.prototype.name = 'Runtime.UnhandledPromiseRejection';

// ---- Runtime API transport ----

const api = env.AWS_LAMBDA_RUNTIME_API || '';
const apiSep = api.lastIndexOf(':');
const apiHost = api.slice(0, apiSep).replace(/^\[(.*)\]$/, '$1');
const apiPort = Number(api.slice(apiSep + 1));
const NEXT_PATH = '/2018-06-01/runtime/invocation/next';
const INVOCATION_PATH = '/2018-06-01/runtime/invocation/';

// One keep-alive socket. The agent unrefs it while idle, so it does not keep the event loop alive
// while a handler runs: 'beforeExit' then tells us the handler's own work has drained.
// A dying runtime switches to fresh connections: the kept-alive one may be held by a pending
// `next` long-poll, and the error report must not queue behind it.
let agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function call(method, reqPath, body, headers, done, retried) {
  const req = http.request(
    { host: apiHost, port: apiPort, method, path: reqPath, headers, agent },
    (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => done(null, res, chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
    },
  );
  req.on('error', (err) => {
    // The host may close the idle kept-alive socket while a long handler runs; the first
    // request on it then fails before the host has seen it, so one retry on a new socket is safe.
    if (!retried && req.reusedSocket && (err.code === 'ECONNRESET' || err.code === 'EPIPE')) {
      call(method, reqPath, body, headers, done, true);
    } else {
      done(err);
    }
  });
  req.end(body);
}

function post(reqPath, body, errorType, done) {
  const headers = { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) };
  // User code picks error names; one that is not a valid header value goes in the body only.
  if (errorType !== undefined && /^[\x20-\x7e]+$/.test(errorType)) headers['Lambda-Runtime-Function-Error-Type'] = errorType;
  call('POST', reqPath, body, headers, (err, res, reply) => {
    if (err) return fatal(`POST ${reqPath}`, err);
    if (res.statusCode >= 300) {
      console.error(`Runtime API rejected POST ${reqPath}: ${res.statusCode} ${reply.toString()}`);
    }
    done();
  });
}

function fatal(what, err) {
  process.stderr.write(`gatehouse node runtime: ${what} failed: ${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
}

// ---- Error shapes ----

const isErrorLike = (e) => e && [e.name, e.message, e.stack].every((v) => typeof v === 'string' && v !== '');

// The body Lambda reports for a failed invoke: {errorType, errorMessage, trace}.
function toRapidResponse(error) {
  try {
    if (util.types.isNativeError(error) || isErrorLike(error)) {
      return { errorType: error.name, errorMessage: error.message, trace: error.stack.split('\n') };
    }
    return { errorType: typeof error, errorMessage: error.toString(), trace: [] };
  } catch (_) {
    return {
      errorType: 'handled',
      errorMessage:
        'callback called with Error argument, but there was a problem while retrieving one or more of its message, name, and stack',
    };
  }
}

function withEnumerableProperties(value) {
  if (!(value instanceof Error)) return value;
  const ret = Object.assign({ errorType: value.name, errorMessage: value.message, code: value.code }, value);
  if (typeof value.stack === 'string') ret.stack = value.stack.split('\n');
  return ret;
}

// Logs like the official client: "<label> \t{json}" at ERROR level.
function logError(label, error) {
  const err = error instanceof Error ? error : new Error(error);
  let text;
  try {
    text = JSON.stringify(err, (_k, v) => withEnumerableProperties(v));
  } catch (_) {
    text = JSON.stringify(toRapidResponse(err));
  }
  console.error(label, '\t' + text);
}

function postError(reqPath, error, done) {
  let response = toRapidResponse(error);
  let body;
  try {
    body = JSON.stringify(response);
  } catch (_) {
    response = toRapidResponse(new Error('Unable to stringify error'));
    body = JSON.stringify(response);
  }
  post(reqPath, body, String(response.errorType), done);
}

// ---- Logging ----

// Each console call becomes one record "<time>\t<request id>\t<LEVEL>\t<message>". Newlines
// become \r so a record stays on one line of the host's log stream, as Lambda's text format does.
function patchConsole() {
  const levels = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'];
  const min = Math.max(0, levels.indexOf((env.AWS_LAMBDA_LOG_LEVEL || '').toUpperCase()));
  const out = process.stdout;
  const logger = (level) => {
    if (levels.indexOf(level) < min && level !== 'FATAL') return () => {};
    return (message, ...params) => {
      const line = `${new Date().toISOString()}\t${globalThis[REQUEST_ID]}\t${level}\t${util.format(message, ...params)}`;
      out.write(line.replace(/\n/g, '\r') + '\n');
    };
  };
  console.trace = logger('TRACE');
  console.debug = logger('DEBUG');
  console.info = logger('INFO');
  console.log = console.info;
  console.warn = logger('WARN');
  console.error = logger('ERROR');
  console.fatal = logger('FATAL');
}

// ---- Loading the handler ----

function packageTypeModule(dir) {
  for (;;) {
    if (dir.endsWith('/node_modules')) return false;
    const pj = path.join(dir, 'package.json');
    if (fs.existsSync(pj)) {
      try {
        return JSON.parse(fs.readFileSync(pj, 'utf8')).type === 'module';
      } catch (e) {
        console.warn(`${pj} cannot be read, it will be ignored for ES module detection purposes.`, e);
        return false;
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) return false;
    dir = parent;
  }
}

// Same lookup order as the official client: CommonJS goes through require (so the handler is
// read from module.exports exactly), ES modules through import().
async function loadModule(appRoot, moduleRoot, name) {
  const file = path.resolve(appRoot, moduleRoot, name);
  const esmImport = (f) => import(pathToFileURL(f).href);
  if (fs.existsSync(file)) return require(file);
  const isESM = packageTypeModule(path.dirname(file));
  if (fs.existsSync(file + '.js')) return isESM ? esmImport(file + '.js') : require(file + '.js');
  if (fs.existsSync(file + '.mjs')) return esmImport(file + '.mjs');
  if (fs.existsSync(file + '.cjs')) return require(file + '.cjs');
  return require(require.resolve(name, { paths: [appRoot, moduleRoot] }));
}

async function loadHandler(appRoot, fullHandler) {
  if (fullHandler.includes('..')) {
    throw new MalformedHandlerName(
      `'${fullHandler}' is not a valid handler name. Use absolute paths when specifying root directories in handler names.`,
    );
  }
  const base = path.basename(fullHandler);
  const moduleRoot = fullHandler.substring(0, fullHandler.indexOf(base));
  const match = /^([^.]*)\.(.*)$/.exec(base);
  if (!match) throw new MalformedHandlerName('Bad handler');

  let app;
  try {
    app = await loadModule(appRoot, moduleRoot, match[1]);
  } catch (e) {
    if (e instanceof SyntaxError) throw new UserCodeSyntaxError(e);
    if (e && e.code === 'MODULE_NOT_FOUND') throw new ImportModuleError(e);
    throw e;
  }
  const fn = match[2].split('.').reduce((obj, key) => obj && obj[key], app);
  if (!fn) throw new HandlerNotFound(`${fullHandler} is undefined or not exported`);
  if (typeof fn !== 'function') throw new HandlerNotFound(`${fullHandler} is not a function`);
  if (fn[STREAMING]) {
    throw new MalformedStreamingHandler('Response streaming handlers are not supported by this runtime.');
  }
  return fn;
}

function installGlobals() {
  if (env.AWS_LAMBDA_NODEJS_NO_GLOBAL_AWSLAMBDA === '1' || env.AWS_LAMBDA_NODEJS_NO_GLOBAL_AWSLAMBDA === 'true') {
    return;
  }
  globalThis.awslambda = {
    streamifyResponse(handler, options) {
      handler[STREAMING] = 'response';
      if (options && typeof options.highWaterMark === 'number') {
        handler[HIGH_WATER_MARK] = parseInt(options.highWaterMark);
      }
      return handler;
    },
    HttpResponseStream: class HttpResponseStream {
      static from(stream, prelude) {
        stream.setContentType('application/vnd.awslambda.http-integration-response');
        const metadata = JSON.stringify(prelude);
        stream._onBeforeFirstWrite = (write) => {
          write(metadata);
          write(new Uint8Array(8));
        };
        return stream;
      }
    },
  };
}

// ---- Invoke loop ----

const functionData = {
  functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION,
  functionName: env.AWS_LAMBDA_FUNCTION_NAME,
  memoryLimitInMB: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
  logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME,
  logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME,
};

let handler;
let handlerIsAsync = false;
// The invoke that uncaught errors are reported against; null until the first invoke, when they
// are init errors instead.
let current = null;
// What to do once the event loop has drained during the current invoke. Cleared whenever the
// invoke completes, so that between invokes a drained loop does nothing.
let onDrained = null;
let dying = false;

process.on('beforeExit', () => {
  const f = onDrained;
  onDrained = null;
  if (f) f();
});

function parseJsonHeader(value, name) {
  if (value === undefined) return undefined;
  try {
    return JSON.parse(value);
  } catch (err) {
    throw new Error(`Cannot parse ${name} as json: ${err.toString()}`);
  }
}

function next() {
  call('GET', NEXT_PATH, undefined, undefined, (err, res, body) => {
    if (dying) return;
    if (err) return fatal('GET next', err);
    if (res.statusCode !== 200) return fatal('GET next', `status ${res.statusCode}: ${body.toString()}`);
    invoke(res.headers, body);
  });
}

function invoke(headers, body) {
  const id = headers['lambda-runtime-aws-request-id'];
  if (!id) return fatal('GET next', 'reply has no Lambda-Runtime-Aws-Request-Id');
  const inv = { idPath: INVOCATION_PATH + encodeURIComponent(id), finished: false };
  current = inv;
  globalThis[REQUEST_ID] = id;
  const trace = headers['lambda-runtime-trace-id'];
  if (trace) env._X_AMZN_TRACE_ID = trace;
  else delete env._X_AMZN_TRACE_ID;

  const respond = (result) => {
    let payload;
    try {
      payload = JSON.stringify(result === undefined ? null : result);
    } catch (_) {
      return report(new Error('Unable to stringify response body'));
    }
    // Functions and symbols stringify to undefined.
    post(inv.idPath + '/response', payload === undefined ? 'null' : payload, undefined, next);
  };
  const report = (err) => {
    logError('Invoke Error', err);
    postError(inv.idPath + '/error', err, next);
  };
  const done = (err, result) => {
    onDrained = null;
    if (err !== undefined && err !== null) report(err);
    else respond(result);
  };
  // Only the first of callback/succeed/fail/done (or a drained loop) completes the invoke.
  const once = (fn) =>
    function () {
      if (!inv.finished) {
        inv.finished = true;
        fn.apply(null, arguments);
      }
    };
  let waitForEmptyEventLoop = true;
  const callback = once((err, result) => {
    onDrained = null;
    if (err !== undefined && err !== null) report(err);
    else if (!waitForEmptyEventLoop) respond(result);
    else onDrained = () => respond(result);
  });

  // A handler that never completes: an async one is reported as Runtime.NodeJsExit, a sync or
  // callback one that never called back succeeds with null.
  onDrained = () => {
    inv.finished = true;
    if (handlerIsAsync) report(new NodeJsExit());
    else respond(null);
  };

  try {
    const deadline = Number(headers['lambda-runtime-deadline-ms']);
    const context = {
      ...functionData,
      clientContext: parseJsonHeader(headers['lambda-runtime-client-context'], 'ClientContext'),
      identity: parseJsonHeader(headers['lambda-runtime-cognito-identity'], 'CognitoIdentity'),
      invokedFunctionArn: headers['lambda-runtime-invoked-function-arn'],
      awsRequestId: id,
      tenantId: headers['lambda-runtime-aws-tenant-id'],
      getRemainingTimeInMillis: () => deadline - Date.now(),
      get callbackWaitsForEmptyEventLoop() {
        return waitForEmptyEventLoop;
      },
      set callbackWaitsForEmptyEventLoop(value) {
        waitForEmptyEventLoop = value;
      },
      succeed: once((result) => done(null, result)),
      fail: once((err) => done(err === undefined || err === null ? 'handled' : err, null)),
      done: once(done),
    };
    const result = handler(JSON.parse(body.toString('utf8')), context, callback);
    if (result && typeof result.then === 'function') result.then(context.succeed, context.fail);
  } catch (err) {
    callback(err);
  }
}

// The official client reports uncaught errors against the current invoke (or as an init error
// before the first one) and exits with 129 (exception) or 128 (rejection).
function die(label, error, code) {
  if (dying) return;
  dying = true;
  agent = false;
  onDrained = null;
  logError(label, error);
  const exit = () => process.exit(code);
  if (current) {
    current.finished = true;
    postError(current.idPath + '/error', error, exit);
  } else {
    postError('/2018-06-01/runtime/init/error', error, exit);
  }
}

process.on('uncaughtException', (err) => die('Uncaught Exception', err, 129));
process.on('unhandledRejection', (reason, promise) =>
  die('Unhandled Promise Rejection', new UnhandledPromiseRejection(reason, promise), 128),
);

if (!apiHost || !apiPort) fatal('start', 'AWS_LAMBDA_RUNTIME_API is not set to host:port');
patchConsole();
installGlobals();
try {
  handler = await loadHandler(env.LAMBDA_TASK_ROOT || process.cwd(), env._HANDLER || '');
  handlerIsAsync = handler.constructor && handler.constructor.name === 'AsyncFunction';
  next();
} catch (err) {
  die('Uncaught Exception', err, 129);
}

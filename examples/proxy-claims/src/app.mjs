// proxy-claims' function: every method and path of the API reaches it
// (ANY / and ANY /{proxy+}) once the Cognito authorizer has accepted the
// caller's ID token. The token's claims arrive, all strings, in
// event.requestContext.authorizer.claims.
export const handler = async (event) => {
  const claims = event.requestContext?.authorizer?.claims ?? {};
  let body = event.body;
  if (body != null && event.isBase64Encoded) {
    body = Buffer.from(body, "base64").toString("utf8");
  }
  try {
    body = body == null ? null : JSON.parse(body);
  } catch {
    // Not JSON: echo the text as it came.
  }
  return {
    statusCode: 200,
    headers: {
      "Content-Type": "application/json",
      // A proxy integration's answer carries only the headers the function
      // sets: this one lets a page on another origin read it.
      "Access-Control-Allow-Origin": "*",
    },
    body: JSON.stringify({
      greeting: `Hello, ${claims.given_name} ${claims.family_name}`,
      method: event.httpMethod,
      path: event.path,
      proxy: event.pathParameters?.proxy ?? null,
      body,
    }),
  };
};

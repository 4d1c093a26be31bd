// The README's protected function: written for API Gateway's Lambda
// proxy integration with a Cognito authorizer, run unmodified.
export const handler = async (event) => {
  const claims = event.requestContext?.authorizer?.claims;
  return {
    statusCode: 200,
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({
      hello: claims ? claims.given_name ?? claims.email ?? claims["cognito:username"] : "stranger",
      path: event.path,
      stage: event.requestContext.stage,
    }),
  };
};

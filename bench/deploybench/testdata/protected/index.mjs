export const handler = async (event) => {
  const claims = event.requestContext?.authorizer?.claims ?? {};
  return {
    statusCode: 200,
    headers: { "Content-Type": "application/json", "Access-Control-Allow-Origin": "*" },
    body: JSON.stringify({ message: `hello, ${claims.email ?? "someone"}`, sub: claims.sub ?? null }),
  };
};

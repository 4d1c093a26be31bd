export const handler = async (event) => ({
  statusCode: 200,
  headers: { "Content-Type": "application/json", "Access-Control-Allow-Origin": "*" },
  body: JSON.stringify({ message: "hello, stranger", path: event.path, stage: event.requestContext?.stage }),
});

// The README's Node function: an ESM handler, run unmodified.
export const handler = async (event, context) => {
  const name = event.name ?? "world";
  console.log("greeting", name, "in request", context.awsRequestId);
  return { greeting: `hello, ${name}`, runtime: "node" };
};

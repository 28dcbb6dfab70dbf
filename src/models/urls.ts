// The URL of a model's files for the browser: versioned, so one URL is one set of bytes
// (the manifest's sha256) and clients may cache it forever.

export function reverseModelPath(modelId: string, version: string): string {
  return `/v1/models/${encodeURIComponent(modelId)}/${encodeURIComponent(version)}/reverse.onnx`;
}

/**
 * Stands in for @smithy/core/event-streams in the Lambda bundles only (an esbuild alias in
 * serverless.yml). The SDK's HTTP protocols import it on demand for operations whose input or
 * output is an event stream; none of the operations irwatch sends (DynamoDB, SageMaker,
 * EventBridge, SNS) has one, yet esbuild bundles the whole module: about 14 KB per function.
 * Should a function ever call such an operation, it fails with this message instead of quietly.
 */
const unsupported = (): never => {
  throw new Error(
    'No event streams in the irwatch Lambda bundles (the @smithy/core/event-streams alias)',
  );
};

export class EventStreamSerde {
  constructor() {
    unsupported();
  }
}

export const eventStreamSerdeProvider = unsupported;

/** Whether the server shows a Kubernetes cluster (`PALISADE_CLUSTER=kubernetes`) rather than the lab. */
export const isKubernetesMode = (): boolean => process.env.PALISADE_CLUSTER === 'kubernetes';

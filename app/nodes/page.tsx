import { NodeList } from '../../components/nodes/node-list.tsx';
import { PageHeader } from '../../components/ui/page-header.tsx';

export default function NodesPage() {
  return (
    <>
      <PageHeader
        title="Nodes"
        description="Each node's agent, the programs it attached to each pod, and its datapath."
      />
      <NodeList />
    </>
  );
}

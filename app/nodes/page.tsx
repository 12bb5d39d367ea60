import { NodeList } from '../../components/nodes/node-list.tsx';

export default function NodesPage() {
  return (
    <main>
      <h1>Nodes</h1>
      <NodeList />
    </main>
  );
}

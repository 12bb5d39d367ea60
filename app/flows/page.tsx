import { FlowTable } from '../../components/flows/flow-table.tsx';

export default function FlowsPage() {
  return (
    <main>
      <h1>Flows</h1>
      <FlowTable />
    </main>
  );
}

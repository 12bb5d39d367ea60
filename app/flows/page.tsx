import { FlowTable } from '../../components/flows/flow-table.tsx';
import { PageHeader } from '../../components/ui/page-header.tsx';

export default function FlowsPage() {
  return (
    <>
      <PageHeader
        title="Flows"
        description="Every verdict the agents report, live, with the policy that decided it. Open a flow to see why."
      />
      <FlowTable />
    </>
  );
}

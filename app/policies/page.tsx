import { PoliciesView } from '../../components/policies/policies-view.tsx';
import { PageHeader } from '../../components/ui/page-header.tsx';

export default function PoliciesPage() {
  return (
    <>
      <PageHeader
        title="Policies"
        description="The cluster's NetworkPolicies: what each selects and allows, and an editor that previews a change before it is enforced."
      />
      <PoliciesView />
    </>
  );
}

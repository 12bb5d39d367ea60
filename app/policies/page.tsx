import { PoliciesView } from '../../components/policies/policies-view.tsx';

export default function PoliciesPage() {
  return (
    <main>
      <h1>Policies</h1>
      <PoliciesView />
    </main>
  );
}

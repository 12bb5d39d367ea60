import { GraphPage } from '../../components/graph/graph-page.tsx';
import { PageHeader } from '../../components/ui/page-header.tsx';

export default function Graph() {
  return (
    <>
      <PageHeader
        title="Policy graph"
        description="What the policies allow and deny between pods, with the flows seen in the last ten minutes."
      />
      <GraphPage />
    </>
  );
}
